"""What the browser phone's tests share: a CRM page that lets its iframe use the microphone,
Chromium with a tone for a microphone, and what the toolbar's phone plays, measured in the page."""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

from playwright.sync_api import Browser, Frame, Page

from tests.browser.crm import wait_for_handler

EXTENSION = ("Browser 2001", "2001")
AGENT_TONE = 1000.0

# The CRM page of the suite, framing the toolbar with the microphone allowed (the phone's one
# requirement of the page) and working from the browser extension.
PHONE_PAGE = f"""
<script>
  function getExtensionInfo() {{ return {{ name: '{EXTENSION[0]}', phone: '{EXTENSION[1]}' }}; }}
  function initialise() {{
    crmOrigin = window.location.href;
    var iframeUrl = ameyoBaseUrl + "ameyowebaccess/toolbar-crm.htm?origin=" + crmOrigin;
    document.getElementById("ameyoIframeDiv").innerHTML =
      '<iframe height="600px" width="260px" id="ameyoIframe" allow="microphone; autoplay" ' +
      'src="' + iframeUrl + '"></iframe>';
  }}
</script>
"""

# The strongest frequency of what the toolbar's phone plays, measured in the page by WebAudio.
HEARD_FREQUENCY = """
async () => {
  const audio = document.querySelector('[data-testid=phone-remote-audio]');
  const context = new AudioContext();
  const analyser = context.createAnalyser();
  analyser.fftSize = 8192;
  context.createMediaStreamSource(audio.srcObject).connect(analyser);
  const bins = new Float32Array(analyser.frequencyBinCount);
  let best = 0;
  for (let n = 0; n < 50 && best === 0; n++) {
    await new Promise((r) => setTimeout(r, 100));
    analyser.getFloatFrequencyData(bins);
    let top = 1;
    for (let i = 1; i < bins.length; i++) if (bins[i] > bins[top]) top = i;
    if (bins[top] > -70) best = top * context.sampleRate / analyser.fftSize;
  }
  await context.close();
  return best;
}
"""


def write_tone_48k(path: Path, frequency: float, seconds: float = 30.0) -> Path:
    """Chromium's fake microphone file: a 48 kHz mono sine, looped."""
    rate = 48000
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(
            b"".join(
                struct.pack("<h", int(9000 * math.sin(2 * math.pi * frequency * i / rate)))
                for i in range(int(rate * seconds))
            )
        )
    return path


def the_toolbar(page: Page) -> Frame:
    element = page.query_selector("#ameyoIframe")
    frame = element.content_frame() if element is not None else None
    assert frame is not None, "the CRM page has no toolbar iframe"
    return frame


def phone_page(browser: Browser) -> Page:
    """A page of its own (no storage shared with another test's), patient with audio."""
    page = browser.new_context().new_page()
    page.set_default_timeout(15_000)
    return page


def ready_on_the_browser_phone(page: Page, crm_url: str) -> None:
    """agent1 logs in from the CRM page (on the page's browser extension), picks Inbound
    Support once the phone is ready, and becomes ready for calls."""
    page.goto(crm_url)
    wait_for_handler(page, "loginStatusHandler")
    page.evaluate("ameyo.integration.doLogin('agent1', 'agent1', 'AUTH_TYPE_PASSWORD')")
    wait_for_handler(page, "selectExtensionHandler")
    bar = page.frame_locator("#ameyoIframe")
    bar.get_by_test_id("campaign-select").select_option(label="Inbound Support")
    wait_for_handler(page, "selectCampaignHandler")
    bar.get_by_test_id("phone-status").get_by_text("ready").wait_for()
    bar.get_by_test_id("ready").click()
    wait_for_handler(page, "readyHandler")
