"""The report in a real browser: headless Chromium (Debian's ``chromium`` and
``chromium-driver``, which ``make test`` installs where it can) opens the pages from the file
system, as a user would, with the network shut off.

Checked: fragments are highlighted and their tooltip appears on hover and on keyboard focus;
links to company cards and claim sentences land; the index links to every article; and no
script from article text runs. Screenshots are saved in ``test-artifacts/``.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from pipeline.report import write_report

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
ODD_ID = "Éclair 5亿 #2 a%20b"
ARTIFACTS = Path(__file__).parents[1] / "test-artifacts"
# As the machine's own check starts it: without the background-networking flags Chromium
# keeps trying to reach Google's servers, which a closed network refuses.
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--window-size=1400,1000")

webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is a dev dependency")
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.common.action_chains import ActionChains  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402


@pytest.fixture(scope="module")
def browser() -> Iterator[webdriver.Chrome]:
    if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
        pytest.skip(f"Chromium is not installed ({CHROMIUM}, {CHROMEDRIVER}): `make test` "
                    f"installs Debian's chromium and chromium-driver where it runs as root "
                    f"with apt-get; elsewhere install them to run the browser tests")
    profile = tempfile.mkdtemp(prefix="bipipe-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (*FLAGS, f"--user-data-dir={profile}"):
        options.add_argument(flag)
    try:
        driver = webdriver.Chrome(service=webdriver.ChromeService(str(CHROMEDRIVER)),
                                  options=options)
    except WebDriverException as error:
        shutil.rmtree(profile, ignore_errors=True)
        pytest.fail(f"Chromium is installed but did not start: {error.msg}")
    yield driver
    driver.quit()
    shutil.rmtree(profile, ignore_errors=True)


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory, report_outputs: Path) -> Path:
    out = tmp_path_factory.mktemp("browser") / "out"
    shutil.copytree(report_outputs, out)
    # The hostile article once more, under an id a link must quote (a browser decodes the
    # link, then looks for the file).
    record = json.loads((out / "hostile.json").read_text(encoding="utf-8"))
    record["id"] = ODD_ID
    (out / f"{ODD_ID}.json").write_text(json.dumps(record, ensure_ascii=False),
                                        encoding="utf-8")
    return write_report(out).folder


def open_page(browser: webdriver.Chrome, path: Path) -> None:
    browser.get(path.as_uri())
    assert browser.find_element(By.TAG_NAME, "h1").text  # loaded and rendered


def pwned(browser: webdriver.Chrome) -> object:
    return browser.execute_script("return window.__bipipe_pwned")


def screenshot(browser: webdriver.Chrome, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    height = browser.execute_script("return document.documentElement.scrollHeight")
    browser.set_window_size(1400, min(int(height), 8000))
    assert browser.save_screenshot(str(ARTIFACTS / name))
    browser.set_window_size(1400, 1000)


def test_fragment_tooltips_show_on_hover_and_focus(browser: webdriver.Chrome, site: Path) -> None:
    open_page(browser, site / "articles" / "hostile.html")
    fragments = browser.find_elements(By.CSS_SELECTOR, ".original .frag")
    assert [fragment.text for fragment in fragments] == ["腾讯", "淘汰", "阿里巴巴", "亿"]
    background = fragments[1].value_of_css_property("background-color")
    assert background not in ("rgba(0, 0, 0, 0)", "transparent")  # highlighted
    tip = fragments[1].find_element(By.CLASS_NAME, "tip")
    assert not tip.is_displayed()
    ActionChains(browser).move_to_element(fragments[1]).perform()
    assert tip.is_displayed()
    assert "táotài" in tip.text and "elimination" in tip.text
    screenshot(browser, "report-article-tooltip.png")
    ActionChains(browser).move_to_element(browser.find_element(By.TAG_NAME, "h1")).perform()
    assert not tip.is_displayed()
    other = fragments[2].find_element(By.CLASS_NAME, "tip")
    browser.execute_script("arguments[0].focus()", fragments[2])  # as Tab would
    assert other.is_displayed() and "ālǐbābā" in other.text


def test_company_and_claim_links_land(browser: webdriver.Chrome, site: Path) -> None:
    open_page(browser, site / "articles" / "hostile.html")
    mention = browser.find_element(By.CSS_SELECTOR, ".original a.ent.type-company")
    assert mention.value_of_css_property("background-color") == "rgba(221, 234, 255, 1)"
    mention.click()
    assert browser.current_url.endswith("#entity-tencent")
    card = browser.find_element(By.ID, "entity-tencent")
    assert card.is_displayed() and "Tencent" in card.text
    wikidata = card.find_element(By.CLASS_NAME, "wikidata")
    assert wikidata.get_attribute("href") == "https://www.wikidata.org/wiki/Q860580"
    link = browser.find_element(By.CSS_SELECTOR, "a.claim-link")
    claim_id = link.text
    link.click()
    assert browser.current_url.endswith(f"#claim-{claim_id}")
    sentence = browser.find_element(By.ID, f"claim-{claim_id}")
    assert "raises $2 billion" in sentence.text
    assert sentence.value_of_css_property("background-color") == "rgba(255, 226, 199, 1)"  # :target


def test_index_links_to_every_article(browser: webdriver.Chrome, site: Path) -> None:
    open_page(browser, site / "index.html")
    screenshot(browser, "report-index.png")
    links = browser.find_elements(By.CSS_SELECTOR, "table.articles a")
    assert len(links) == 4
    assert len(browser.find_elements(By.CSS_SELECTOR, "#chart-companies rect")) >= 2
    assert "E001" in browser.find_element(By.ID, "errors").text
    titles = []
    for index in range(4):
        browser.find_elements(By.CSS_SELECTOR, "table.articles a")[index].click()
        titles.append(browser.find_element(By.TAG_NAME, "h1").text)  # not an error page
        browser.find_element(By.ID, "back").click()
        assert browser.current_url.endswith("index.html")
    assert any("Moonshot AI" in title for title in titles)
    assert sum("raises $2 billion" in title for title in titles) == 2  # hostile, and ODD_ID


def test_no_script_from_article_text_runs(browser: webdriver.Chrome, site: Path) -> None:
    for page in (site / "index.html", site / "articles" / "hostile.html"):
        open_page(browser, page)
        body = browser.find_element(By.TAG_NAME, "body")
        assert "<script>window.__bipipe_pwned = 1</script>" in body.text
        assert browser.find_elements(By.TAG_NAME, "script") == []
        assert browser.find_elements(By.TAG_NAME, "img") == []
        for element in browser.find_elements(By.CSS_SELECTOR, ".original .block-text"):
            ActionChains(browser).move_to_element(element).perform()  # any onmouseover
        assert pwned(browser) is None
    assert '" onmouseover="window.__bipipe_pwned = 2"' in body.text
    screenshot(browser, "report-article.png")
