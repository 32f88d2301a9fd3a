"""compile / fit / evaluate / predict for Sequential (issue 5). Placeholder: being written."""


class TrainingMixin:
    """Training loop methods mixed into Sequential."""
