"""Evaluation against gold Q&A sets: gold format, metrics, reports (`regbot eval`)."""
