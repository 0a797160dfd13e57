"""The browser and helpers over it: a screenshot of every step (UI.shot), navigation and waits, and the steps many
scenarios share (sign-in, the enrollment invitation, settings, the challenge and its other methods)."""

import os
import urllib.parse

from selenium import webdriver
from selenium.common.exceptions import TimeoutException, WebDriverException
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from .config import OUT, WAIT


def new_driver(out_dir):
    """Debian's headless Chromium through Debian's chromedriver, at a desktop's window size."""
    opts = webdriver.ChromeOptions()
    opts.binary_location = os.environ.get("CHROMIUM_BIN", "/usr/bin/chromium")
    for arg in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                "--window-size=1280,900", "--no-first-run", "--disable-extensions"):
        opts.add_argument(arg)
    # Password-manager bubbles ("save password?", "password found in a breach")
    # can cover the page.
    opts.add_experimental_option("prefs", {
        "credentials_enable_service": False,
        "profile.password_manager_enabled": False,
        "profile.password_manager_leak_detection": False,
    })
    # An explicit driver path and browser binary: selenium-manager must never
    # try to download either.
    service = Service(executable_path=os.environ.get("CHROMEDRIVER_BIN", "/usr/bin/chromedriver"),
                      log_output=str(out_dir / "chromedriver.log"))
    drv = webdriver.Chrome(options=opts, service=service)
    drv.set_page_load_timeout(WAIT * 3)
    return drv


class UI:
    """Small helpers over the driver: navigation, waits and a screenshot of
    every page visited (test-output/e2e/<engine>/NN-name.png; none when the
    name is None, e.g. where the page tour takes its own)."""

    def __init__(self, driver, base_url):
        self.d, self.base_url, self.n = driver, base_url, 0

    # screenshots
    def shot(self, name):
        self.n += 1
        OUT.mkdir(parents=True, exist_ok=True)
        self.d.save_screenshot(str(OUT / f"{self.n:02d}-{name}.png"))

    # navigation
    @property
    def path(self):
        return urllib.parse.urlparse(self.d.current_url).path

    def go(self, path, name):
        self.d.get(self.base_url + path)
        if name:
            self.shot(name)

    def _wait(self, cond, what, ignored=()):
        try:
            return WebDriverWait(self.d, WAIT, ignored_exceptions=ignored).until(cond)
        except TimeoutException:
            self.shot("timeout")
            err = self.find("#error")
            raise AssertionError(
                f"timed out waiting for {what}; at {self.d.current_url}"
                + (f", page error: {err.text!r}" if err else "")
            ) from None

    def wait_path(self, path, name):
        self._wait(lambda d: urllib.parse.urlparse(d.current_url).path == path, f"path {path}")
        if name:
            self.shot(name)

    def wait_el(self, css, name=None):
        el = self._wait(EC.presence_of_element_located((By.CSS_SELECTOR, css)), css)
        if name:
            self.shot(name)
        return el

    # elements
    def find(self, css):
        els = self.d.find_elements(By.CSS_SELECTOR, css)
        return els[0] if els else None

    def all(self, css):
        return self.d.find_elements(By.CSS_SELECTOR, css)

    def fill(self, css, value):
        el = self.wait_el(css)
        el.clear()
        el.send_keys(value)

    def follow(self, css):
        """Click a link or submit button and wait until the next page has loaded.
        Waiting for the old page to go stale matters when the next page has the
        same URL and elements (a refused code re-renders the challenge)."""
        old = self.d.find_element(By.TAG_NAME, "html")
        self._wait(EC.element_to_be_clickable((By.CSS_SELECTOR, css)), f"clickable {css}").click()
        # Mid-navigation chromedriver may answer with errors other than "stale"
        # (e.g. "Node ... does not belong to the document"): ask again.
        self._wait(EC.staleness_of(old), f"a new page after clicking {css}", ignored=(WebDriverException,))
        self._wait(lambda d: d.execute_script("return document.readyState") == "complete", "page load",
                   ignored=(WebDriverException,))

    def text_content(self, css):
        """An element's text even when it is not displayed (e.g. inside a closed <details>)."""
        return self.wait_el(css).get_attribute("textContent")

    def assert_no_error(self):
        err = self.find("#error")
        assert err is None, f"unexpected error message on {self.path}: {err.text!r}"

    def body_text(self):
        return self.d.find_element(By.TAG_NAME, "body").text

    # the sign-in steps every scenario takes
    def sign_in(self, username, password):
        """Username and password at /login; afterwards the browser is on the next step."""
        self.go("/login", "sign-in")
        self.fill("#username", username)
        self.fill("#password", password)
        self.follow("#sign-in")

    def sign_out(self):
        """With the portal's #sign-out button (from any signed-in page)."""
        if self.find("#sign-out") is None:
            self.go("/portal", "portal")
        self.follow("#sign-out")
        self.wait_el("#login-form", "signed-out")


# --- steps many scenarios share ---------------------------------------------------


def take_backup_codes(ui, used_secrets, next_path):
    """Reads the backup codes page shown with a first factor (remembering the codes as secrets that must never be
    logged), continues, and returns the codes."""
    ui.wait_el("#backup-codes", "backup-codes")
    ui.assert_no_error()
    codes = [li.get_attribute("textContent").strip() for li in ui.all("#backup-codes li.backup-code")]
    assert len(codes) == 10 and all(codes), codes
    used_secrets.update(codes)
    ui.follow("#continue")
    ui.wait_path(next_path, "after-backup-codes")
    return codes


def enroll_app_at_invitation(ui, used_secrets, next_path="/portal"):
    """At the enrollment invitation (or requirement) of a sign-in: sets up an authenticator app with pyotp, takes the
    backup codes, and returns the pyotp.TOTP. An administrator needs one: the admin pages ask for a recent second
    factor, and enrolling one counts as answering it."""
    import pyotp
    ui.wait_path("/login/enroll", "enroll-app")
    ui.follow("#enroll-totp")
    ui.wait_el("#totp-secret", "enroll-app-secret")
    totp = pyotp.parse_uri(ui.text_content("#totp-uri").strip())
    used_secrets.add(totp.secret)
    ui.fill("#code", totp.now())
    ui.follow("#confirm")
    take_backup_codes(ui, used_secrets, next_path)
    return totp


def start_signed_out(ui, name):
    """Every part starts from a browser without a session, whatever the test before left."""
    ui.go("/login", name)
    ui.d.delete_all_cookies()


def skip_invitation(ui, offered="#enroll-totp"):
    """A user without factors (MFA not required) is invited to enroll at sign-in, and may skip."""
    ui.wait_path("/login/enroll", "enroll-invited")
    assert ui.find(offered) is not None, f"the enrollment page must offer {offered}"
    ui.follow("#skip")
    ui.wait_path("/portal", "portal")
    ui.assert_no_error()


def sign_out_nav(ui):
    """The header's sign-out button (on every signed-in page)."""
    ui.follow("#sign-out-nav")
    ui.wait_el("#login-form", "signed-out")


def welcome(ui):
    return ui.wait_el("#welcome").text


def open_settings(ui):
    ui.go("/settings", "settings")
    assert ui.path == "/settings", ui.path


def factor_types(ui):
    return sorted(r.get_dom_attribute("data-type") for r in ui.all("#factors tr.factor"))


def factor_rows(ui, type_):
    return ui.all(f'#factors tr.factor[data-type="{type_}"]')


def rename_factor(ui, type_, new_label, name):
    rows = factor_rows(ui, type_)
    assert len(rows) == 1, f"expected one {type_} row in settings, found {len(rows)}"
    field = rows[0].find_element(By.CSS_SELECTOR, "input[name=label]")
    field.clear()
    field.send_keys(new_label)
    ui.follow(f'#factors tr.factor[data-type="{type_}"] button.rename')
    ui.wait_path("/settings", name)
    ui.assert_no_error()
    rows = factor_rows(ui, type_)
    assert len(rows) == 1 and new_label in rows[0].text, [r.text for r in rows]


def submit_code(ui, code):
    ui.fill("#code", code)
    ui.follow("#verify")


def expect_refused(ui, name):
    assert ui.path == "/login/challenge", f"the code must be refused, leaving the user on /login/challenge, not {ui.path}"
    return ui.wait_el("#error", name).text


def switch_method(ui, method, expected_methods):
    """From a code challenge to the method `method` through "Use another method", which lists `expected_methods`."""
    ui.follow("#other-methods")
    ui.wait_path("/login/methods", "methods")
    methods = sorted(a.get_dom_attribute("data-method") for a in ui.all("a.method"))
    assert methods == expected_methods, methods
    ui.follow(f'a.method[data-method="{method}"]')
    ui.wait_path("/login/challenge", f"challenge-{method}")
    ui.wait_el("#code")


def choose_method(ui, method, name):
    """From the challenge to the method `method` through "Use another method"; returns the methods it listed."""
    ui.follow("#other-methods")
    ui.wait_path("/login/methods", f"{name}-methods")
    methods = sorted(a.get_dom_attribute("data-method") for a in ui.all("a.method"))
    ui.follow(f'a.method[data-method="{method}"]')
    ui.wait_path("/login/challenge", f"{name}-challenge-{method}")
    return methods
