pytest_plugins = ["sscard.testing.fixtures"]
