"""One running instance per data folder, and the socket the command line talks to it through."""
