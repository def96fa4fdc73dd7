"""Audio front end shared by the speech datasets and `jaxdl transcribe`: resampling, log-mel features,
WAV reading.

`log_mel` takes an array module (`numpy` at dataset build time, `jax.numpy` inside a compiled step), so
the stored features and an in-graph front end are the same computation.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import scipy.fft

from jaxdl.errors import UserError

SAMPLE_RATE = 16000
WINDOW, HOP, N_FFT, N_MELS = 400, 160, 512, 40  # 25 ms windows every 10 ms at 16 kHz


def resample(audio: np.ndarray, rate_in: int, rate_out: int = SAMPLE_RATE) -> np.ndarray:
    """float32 [S * rate_out / rate_in]: polyphase resampling (scipy) of int16 or float audio [S] in [-1, 1]
    (int16 scaled by 1 / 32768)."""
    x = audio.astype(np.float32) / 32768.0 if audio.dtype == np.int16 else audio.astype(np.float32)
    if rate_in == rate_out:
        return x
    up, down = _ratio(rate_in, rate_out)
    import scipy.signal  # 1.2 s to import: only where audio is resampled

    return scipy.signal.resample_poly(x, up, down, window=_antialias(up, down)).astype(np.float32)


def _ratio(rate_in: int, rate_out: int) -> tuple[int, int]:
    g = math.gcd(rate_in, rate_out)
    return rate_out // g, rate_in // g


@functools.cache
def _antialias(up: int, down: int) -> np.ndarray:
    """resample_poly's own default FIR filter (Kaiser, beta 5), designed once instead of on every call."""
    max_rate = max(up, down)
    import scipy.signal

    return scipy.signal.firwin(2 * 10 * max_rate + 1, 1.0 / max_rate, window=("kaiser", 5.0))


def num_frames(num_samples):
    """Frames log_mel gives for num_samples samples (an int, or an int numpy / jax array): one per HOP."""
    if isinstance(num_samples, int):
        return max(0, num_samples - WINDOW) // HOP + 1
    return (num_samples - WINDOW).clip(0) // HOP + 1


@functools.cache
def mel_filterbank(num_mels: int = N_MELS, n_fft: int = N_FFT, rate: int = SAMPLE_RATE) -> np.ndarray:
    """float32 [n_fft // 2 + 1, num_mels]: triangular filters evenly spaced on the HTK mel scale, 0..rate/2."""
    mel = lambda f: 2595.0 * np.log10(1.0 + f / 700.0)
    hz = lambda m: 700.0 * (10.0 ** (m / 2595.0) - 1.0)
    edges = hz(np.linspace(mel(0.0), mel(rate / 2), num_mels + 2))
    freqs = np.linspace(0.0, rate / 2, n_fft // 2 + 1)
    lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
    up = (freqs[:, None] - lower) / (center - lower)
    down = (upper - freqs[:, None]) / (upper - center)
    return np.maximum(0.0, np.minimum(up, down)).astype(np.float32)


def log_mel(audio, xp=np):
    """Log-mel power spectrogram float32 [F, N_MELS] of audio [S] at 16 kHz, F = num_frames(S) (S >= WINDOW
    or zero-padded to it); each mel bin normalised to zero mean and unit variance over the utterance.

    `xp` is numpy or jax.numpy; with jax.numpy S must be static (it is, inside a compiled step)."""
    audio = xp.asarray(audio, dtype=xp.float32)
    if audio.shape[0] < WINDOW:
        audio = xp.concatenate([audio, xp.zeros(WINDOW - audio.shape[0], xp.float32)])
    frames = num_frames(audio.shape[0])
    idx = np.arange(WINDOW)[None, :] + HOP * np.arange(frames)[:, None]
    window = np.hanning(WINDOW + 2)[1:-1].astype(np.float32)  # periodic-like, no zero end points
    rfft = scipy.fft.rfft if xp is np else xp.fft.rfft  # scipy keeps float32 (numpy's goes to float64)
    spectrum = xp.abs(rfft(audio[idx] * window, n=N_FFT, axis=-1)) ** 2
    feats = xp.log(spectrum @ mel_filterbank() + 1e-6)
    feats = feats - feats.mean(0, keepdims=True)
    return (feats / (feats.std(0, keepdims=True) + 1e-5)).astype(xp.float32)


def read_wav(path: str) -> np.ndarray:
    """float32 [S > 0] in [-1, 1] from a 16 kHz mono (or first channel) WAV file; UserError for anything else
    (an empty file, or a header that claims more data than the file holds)."""
    import warnings

    import scipy.io.wavfile

    try:
        with warnings.catch_warnings():  # e.g. a header claiming more samples than the file holds
            warnings.simplefilter("error", scipy.io.wavfile.WavFileWarning)
            rate, data = scipy.io.wavfile.read(path)
    except FileNotFoundError:
        raise UserError(f"no such file: {path}") from None
    except (ValueError, OSError, EOFError, scipy.io.wavfile.WavFileWarning) as e:
        raise UserError(f"cannot read {path} as a WAV file ({e})") from None
    if data.shape[0] == 0:
        raise UserError(f"{path} holds no samples")
    if rate != SAMPLE_RATE:
        raise UserError(f"{path} has sample rate {rate} Hz; jaxdl's speech models take {SAMPLE_RATE} Hz "
                        f"(resample it first, e.g. sox in.wav -r {SAMPLE_RATE} out.wav)")
    if data.ndim == 2:
        data = data[:, 0]
    if data.dtype == np.int16:
        return data.astype(np.float32) / 32768.0
    if data.dtype == np.int32:
        return data.astype(np.float32) / 2147483648.0
    if data.dtype == np.uint8:
        return (data.astype(np.float32) - 128.0) / 128.0
    return data.astype(np.float32)


def write_wav(path: str, audio: np.ndarray, rate: int = SAMPLE_RATE) -> None:
    """Writes float audio [S] in [-1, 1] as 16-bit PCM."""
    import scipy.io.wavfile

    scipy.io.wavfile.write(path, rate, (np.clip(audio, -1.0, 1.0) * 32767.0).astype(np.int16))
