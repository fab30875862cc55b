"""Language understanding parts that run inside the Rasa server (Python 3.10 environment).

`encoder` is a plain sentence encoder (all-MiniLM-L6-v2 in NumPy) that knows nothing of Rasa;
`components` wraps it as Rasa 3.6 graph components (a dense featurizer for DIET and an
out-of-scope detector that measures how far a message is from every training example).
"""
