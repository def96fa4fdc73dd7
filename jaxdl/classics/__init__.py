"""Backpropagation and gradient descent from first principles, checked against autodiff.

- `backprop.HandMLP`: jaxdl's MLP with its backward pass written by hand (`activations` holds each
  activation's derivative); `softmax_cross_entropy` returns the loss and its gradient.
- `optimizers`: SGD, momentum, Nesterov and Adam as pure functions, equal to optax's.
- `gradcheck.check_gradients`: central differences in float64 for any loss of a params pytree.
- `task`: the "classification_by_hand" task, so the one trainer can train the hand path.
"""

from jaxdl.classics.activations import ACTIVATIONS, Activation
from jaxdl.classics.backprop import HandMLP, softmax_cross_entropy
from jaxdl.classics.gradcheck import GradCheck, assert_gradients_ok, check_gradients
from jaxdl.classics.optimizers import OPTIMIZERS, Optimizer, adam, momentum, nesterov, sgd

__all__ = ["ACTIVATIONS", "OPTIMIZERS", "Activation", "GradCheck", "HandMLP", "Optimizer", "adam",
           "assert_gradients_ok", "check_gradients", "momentum", "nesterov", "sgd", "softmax_cross_entropy"]
