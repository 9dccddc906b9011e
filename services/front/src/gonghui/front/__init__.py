"""The public front door: pages for workers, representatives, units and the union, and the
partners' HTTPS path to their streams (DESIGN §9). A client of the services' public APIs."""
