"""What the browser end-to-end tests share: the server under test and its databases (server.py), the fake SMS and
email providers (fakes.py), the browser and page helpers (pages.py), one-time codes (otp.py), security keys
(webauthn.py), the grid pattern (pattern.py) and the screenshot tour of every page (tour.py). Settings: config.py.
The fixtures that put these together are in ../conftest.py."""
