"""What the pages show: the services' answers turned into names, Chinese labels and Beijing time."""
