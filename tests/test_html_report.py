"""results/index.html: rendered from fixed records it is self-contained; opened in headless Chromium
(the committed results) it loads with no console errors, shows every section and plot, and its
filters change what is shown. The browser test writes the screenshots under <results-dir>/screenshots/."""

import shutil
from pathlib import Path

import pandas as pd
import pytest

from harness.report import bench, extremes, html, kinds

ROOT = Path(__file__).resolve().parent.parent
#: the committed reference run the page is tested on
REFERENCE = ROOT / "results" / kinds.REFERENCE
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")
INSTALL = "apt-get install -y chromium chromium-driver && pip install selenium"

CONDITIONS = {"date": "2026-11-25T00:00:00+00:00", "cpu": "Test CPU", "cores_usable": 2, "python": "3.11",
              "commit": "abc", "packages": {}}
OUTCOME = {"record": "outcome", "case": "scalar/exp", "category": "scalar", "mode": "grad", "framework": "torch",
           "version": "1", "dtype": "float32", "device": "cpu", "inputs": "x:source[3]", "kind": "value",
           "expected_kind": "value", "max_abs_err": 1e-7, "max_rel_err": 1e-7, "worst_ratio": 0.1, "worst_at": "",
           "tolerance": "t", "verdict": "fail", "message": "max abs error 1", "raw_error": ""}


def test_fixed_records_render_every_section_self_contained():
    data = {"conditions": CONDITIONS, "run": {}, "records": [OUTCOME]}
    page = html.render(data, None, None, pd.DataFrame(), [])
    for key in html.SECTIONS:
        assert f"<section id='{key}'>" in page
    assert "<script src" not in page and "<link" not in page and "src='http" not in page  # nothing fetched
    assert ("pytest &quot;suites/test_gradients.py::test_gradient[scalar/exp-torch-float32]&quot; --regimes eager "
            "--dtype float32 --framework torch --grad-seed 0") in page
    assert html.summary_lines(data, None, None, pd.DataFrame())[0] == "correctness: 1 fail"


def test_the_page_opens_on_a_verdict_grid_with_the_reference_beside_this_run():
    run = {"conditions": CONDITIONS, "run": {"seed": 0}, "records": [OUTCOME, {**OUTCOME, "framework": "jax",
                                                                                "verdict": "pass"}]}
    reference = {"conditions": {**CONDITIONS, "commit": "ref123"}, "run": {}, "records": [{**OUTCOME, "verdict": "pass"}]}
    page = html.render(run, None, None, pd.DataFrame(), [],
                       reference={"loaded": (reference, None, None), "page": "reference/index.html"})
    assert "This run — commit abc" in page and "Reference run — commit ref123" in page
    # this run's torch cell fails and links to its checks; the reference's passes and links to the reference page
    assert "<td class='fail'><a href='#correctness?framework=torch&amp;dtype=float32&amp;regime=eager'>1 ✗</a>" in page
    assert "<td class='pass'><a href='#correctness?framework=jax&amp;dtype=float32&amp;regime=eager'>1 ✓</a>" in page
    assert ("<td class='pass'><a href='reference/index.html#correctness?framework=torch&amp;dtype=float32&amp;"
            "regime=eager'>1 ✓</a>") in page


def test_a_run_writes_only_where_git_ignores_it_and_the_reference_stays_tracked():
    import subprocess

    def ignored(path: str) -> bool:
        return subprocess.run(["git", "check-ignore", "-q", path], cwd=ROOT).returncode == 0
    if subprocess.run(["git", "rev-parse"], cwd=ROOT, capture_output=True).returncode:
        pytest.skip("not a git checkout")
    for written in ("results/correctness.json", "results/ops.md", "results/index.html", "results/extremes/abs.png",
                    "results/bench/vm/20261201T000000Z.json", "results/bench.md", "results/screenshots/summary.png"):
        assert ignored(written), f"{written} would show in git status after a run"
    assert not ignored("results/reference/ops.json") and (REFERENCE / "ops.json").exists()


@pytest.fixture
def browser():
    webdriver = pytest.importorskip("selenium.webdriver", reason=f"selenium is not installed: {INSTALL}")
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip(f"Chromium and its driver are not installed: {INSTALL}")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1400,1000"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(options=options, service=webdriver.ChromeService(executable_path=CHROMEDRIVER))
    yield driver
    driver.quit()


def committed_page(tmp_path: Path) -> Path:
    loaded = {kinds.REPORTS[(d := kinds.load(p))["schema"]].NAME: d for p in kinds.default_paths(REFERENCE)}
    if not loaded:
        pytest.skip("no results under results/reference/: it is committed with the project")
    frame, machines = bench.load(bench.latest_runs(REFERENCE)) if bench.latest_runs(REFERENCE) else (
        pd.DataFrame(), [])
    page = tmp_path / "index.html"
    page.write_text(html.render(loaded.get("correctness"), loaded.get("semantics"), loaded.get("ops"), frame, machines))
    # the extreme-value plots are files beside the page, as results/index.html has them
    if (REFERENCE / extremes.PLOTS).is_dir():
        shutil.copytree(REFERENCE / extremes.PLOTS, tmp_path / extremes.PLOTS)
    return page


def scroll_to(driver, element) -> None:
    """Bring ``element`` to the top of the window, below the sticky navigation bar."""
    driver.execute_script("window.scrollTo(0, arguments[0].getBoundingClientRect().top + window.scrollY - 50)", element)


def visible(driver, selector: str) -> int:
    return driver.execute_script(
        "return [...document.querySelectorAll(arguments[0])].filter(e => e.offsetParent !== null).length", selector)


def test_page_loads_filters_and_shows_every_plot_in_chromium(browser, tmp_path, request):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    shots = Path(request.config.getoption("--results-dir")) / "screenshots"
    shots.mkdir(parents=True, exist_ok=True)
    browser.get(committed_page(tmp_path).as_uri())
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    for key in html.SECTIONS:
        assert browser.find_element(By.ID, key).is_displayed(), key
    browser.save_screenshot(str(shots / "summary.png"))

    plots = browser.find_elements(By.CSS_SELECTOR, "img.plot")
    ops = kinds.load(REFERENCE / "ops.json") if (REFERENCE / "ops.json").exists() else {"records": []}
    assert len(plots) >= len(extremes.images(ops)), "every extreme-value plot is on the page"
    sizes = [browser.execute_script("return [arguments[0].naturalWidth, arguments[0].getBoundingClientRect().width]", p)
             for p in plots]
    assert all(natural > 0 and shown > 0 for natural, shown in sizes), sizes

    section = browser.find_element(By.ID, "correctness")
    rows_before, cells_before = visible(browser, "#correctness tr[data-row]"), visible(browser, "#correctness td[data-framework]")
    Select(section.find_element(By.CSS_SELECTOR, "select[data-filter='framework']")).select_by_value("torch")
    Select(section.find_element(By.CSS_SELECTOR, "select[data-filter='category']")).select_by_value("persistent")
    rows_after, cells_after = visible(browser, "#correctness tr[data-row]"), visible(browser, "#correctness td[data-framework]")
    assert 0 < rows_after < rows_before and 0 < cells_after < cells_before
    scroll_to(browser, section)
    browser.save_screenshot(str(shots / "correctness-filtered.png"))

    row = browser.find_element(By.CSS_SELECTOR, "#semantics details")
    row.find_element(By.TAG_NAME, "summary").click()
    assert row.get_attribute("open") is not None
    scroll_to(browser, row)
    browser.save_screenshot(str(shots / "semantics-expanded.png"))

    scroll_to(browser, browser.find_element(By.ID, "benchmarks"))
    browser.save_screenshot(str(shots / "benchmarks.png"))
    assert not [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
