"""Feedback and complaints, and the customers' ratings (with the rating page behind the
mail's links)."""
