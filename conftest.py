pytest_plugins = ["sscard.testing.fixtures", "sscard.testing.browser"]
