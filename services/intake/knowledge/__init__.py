"""The knowledge base. For the other features its one entry is ``suggest()``."""
