"""Personal data (152-FZ): a customer's data, exported or erased on request."""
