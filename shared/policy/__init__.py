"""The customer-service policy as data, and the business calendar it defines (clauses 1, 2, 8,
10): a library the sla service keeps its clocks by and the notifier words its promises with."""
