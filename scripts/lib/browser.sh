# Headless Chromium and its WebDriver for the payment page's browser tests
# (crates/api/tests/payment_page.rs). Source it, then call `browser_install_if_missing`: installs Debian's
# `chromium` and `chromium-driver` with apt-get when either is missing, as scripts/test does for PostgreSQL.

browser_install_if_missing() {
  command -v chromedriver >/dev/null 2>&1 && { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; } && return
  echo "test: chromium or chromedriver missing: installing them with apt-get (chromium, chromium-driver)"
  local sudo=
  [ "$(id -u)" = 0 ] || sudo=sudo
  { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium chromium-driver; } >/dev/null 2>&1 ||
    die "chromium and chromium-driver are missing and apt-get could not install them: install them (Debian packages chromium, chromium-driver)."
  command -v chromedriver >/dev/null 2>&1 || die "apt-get installed chromium-driver but chromedriver is still missing."
}
