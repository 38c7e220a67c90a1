"""What the two web services (the console and the portal) share: the clients of the back-end
services' public APIs, the page helpers and the app's wiring. Each service keeps its own
templates, words and who its visitor is."""
