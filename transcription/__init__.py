"""Transcription: audio preparation, the Vosk engine and the workers (issue #3)."""
