"""Offline speech synthesis with eSpeak NG through ctypes, from the `espeakng-loader` wheel (which ships the
shared library and its voice data: no system package, no network).

The library is initialised once per process in synchronous retrieval mode (AUDIO_OUTPUT_SYNCHRONOUS): each
`espeak_Synth` call runs to completion and hands 16-bit PCM at SAMPLE_RATE (22,050 Hz) to our callback.
eSpeak NG keeps global state, so calls are serialised by a lock.
"""

from __future__ import annotations

import ctypes
import functools
import threading

import numpy as np

SAMPLE_RATE = 22050
_SYNCHRONOUS = 2  # espeak_AUDIO_OUTPUT AUDIO_OUTPUT_SYNCHRONOUS
_RATE, _PITCH, _WORDGAP = 1, 3, 7  # espeak_PARAMETER values
_POS_CHARACTER = 1
_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_LOCK = threading.Lock()


class _Engine:
    def __init__(self):
        import espeakng_loader

        self.lib = ctypes.CDLL(espeakng_loader.get_library_path())
        self.lib.espeak_Initialize.restype = ctypes.c_int
        rate = self.lib.espeak_Initialize(_SYNCHRONOUS, 0, espeakng_loader.get_data_path().encode(), 0)
        if rate != SAMPLE_RATE:
            raise RuntimeError(f"eSpeak NG initialised at {rate} Hz, expected {SAMPLE_RATE}")
        self.chunks: list[np.ndarray] = []
        self.callback = _CALLBACK(self._collect)  # kept referenced: the library holds only a raw pointer
        self.lib.espeak_SetSynthCallback(self.callback)

    def _collect(self, wav, num_samples, events) -> int:
        if num_samples > 0:
            self.chunks.append(np.ctypeslib.as_array(wav, (num_samples,)).copy())
        return 0  # 0 = continue synthesis


@functools.cache
def _engine() -> _Engine:
    return _Engine()


def synthesize(text: str, voice: str = "en", rate: int = 175, pitch: int = 50, word_gap: int = 0) -> np.ndarray:
    """int16 [S] at SAMPLE_RATE: `text` spoken by `voice` ("en-us", "en+m3": language, then "+variant"),
    at `rate` words per minute, `pitch` 0..99, with `word_gap` extra pause between words in units of 10 ms."""
    with _LOCK:
        engine = _engine()
        lib = engine.lib
        if lib.espeak_SetVoiceByName(voice.encode()) != 0:
            raise ValueError(f"eSpeak NG has no voice {voice!r}")
        for param, value in ((_RATE, rate), (_PITCH, pitch), (_WORDGAP, word_gap)):
            lib.espeak_SetParameter(param, int(value), 0)
        engine.chunks = []
        data = text.encode()
        if lib.espeak_Synth(data, len(data) + 1, 0, _POS_CHARACTER, 0, 0, None, None) != 0:
            raise RuntimeError(f"eSpeak NG failed to synthesize {text!r}")
        lib.espeak_Synchronize()
        chunks, engine.chunks = engine.chunks, []
    return np.concatenate(chunks) if chunks else np.zeros(0, np.int16)


def variants() -> list[str]:
    """The voice variants the package ships (names for "lang+variant"), sorted."""
    import os

    import espeakng_loader

    return sorted(os.listdir(os.path.join(espeakng_loader.get_data_path(), "voices", "!v")))
