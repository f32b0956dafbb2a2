"""Generated training texts for the injection classifier (:mod:`bench.train_injection`):
attacks by family, persuasion wrappers, and benign prompts with look-alikes of attack wording.
Not shipped: the worker image carries only the weights trained on them."""
