"""The terminal chat `make run` opens: the Rasa server's REST channel, read like a transcript."""
