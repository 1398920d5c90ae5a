// The browser phone's audio devices, as the agent chooses them: the microphone, the speaker
// (headset) the call plays on, the device the ring tone plays on, each remembered in this
// CRM's storage; the microphone's level; the ring tone itself (made by WebAudio, no file).

const KEYS = {
  microphone: "agentbar.phone.microphone",
  speaker: "agentbar.phone.speaker",
  ringer: "agentbar.phone.ringer",
};
// North American ring cadence: 440 + 480 Hz, 2 s on, 4 s off.
const RING_ON_MS = 2000;
const RING_PERIOD_MS = 6000;

export class PhoneAudio {
  constructor(store, elements) {
    this.store = store;
    this.el = elements; // microphone, speaker, ringer selects; remote and ring <audio>; level <meter>
    this.context = null;
    this.meter = null;
    this.ringing = null;
    for (const [kind, select] of Object.entries(this.selects())) {
      select.addEventListener("change", () => this.choose(kind, select.value));
    }
  }

  selects() {
    return { microphone: this.el.microphone, speaker: this.el.speaker, ringer: this.el.ringer };
  }

  chosen(kind) {
    return this.store.getItem(KEYS[kind]) || "";
  }

  choose(kind, deviceId) {
    this.store.setItem(KEYS[kind], deviceId);
    if (kind === "speaker") this.route(this.el.remote, deviceId);
    if (kind === "ringer") this.route(this.el.ring, deviceId);
  }

  // The constraint of getUserMedia for the chosen microphone (any, if none or it is gone).
  microphoneConstraint() {
    const id = this.chosen("microphone");
    return id ? { deviceId: { ideal: id } } : true;
  }

  // Lists the devices in the selects; labels come only once the microphone was allowed.
  async listDevices() {
    if (!navigator.mediaDevices?.enumerateDevices) return;
    const devices = await navigator.mediaDevices.enumerateDevices();
    const fill = (select, kind, chosen) => {
      select.replaceChildren(new Option("Default", ""));
      devices
        .filter((d) => d.kind === kind && d.deviceId && d.deviceId !== "default")
        .forEach((d, n) => select.append(new Option(d.label || `${kind} ${n + 1}`, d.deviceId)));
      select.value = [...select.options].some((o) => o.value === chosen) ? chosen : "";
    };
    fill(this.el.microphone, "audioinput", this.chosen("microphone"));
    fill(this.el.speaker, "audiooutput", this.chosen("speaker"));
    fill(this.el.ringer, "audiooutput", this.chosen("ringer"));
    // A browser that cannot choose where audio plays (no setSinkId) hides the choice.
    const canRoute = typeof HTMLMediaElement.prototype.setSinkId === "function";
    this.el.speaker.parentElement.hidden = !canRoute;
    this.el.ringer.parentElement.hidden = !canRoute;
  }

  route(audio, deviceId) {
    if (typeof audio.setSinkId !== "function") return;
    audio.setSinkId(deviceId).catch(() => audio.setSinkId(""));
  }

  audioContext() {
    if (!this.context) this.context = new AudioContext();
    if (this.context.state === "suspended") this.context.resume();
    return this.context;
  }

  // Plays what the other side says, on the chosen speaker.
  playRemote(stream) {
    this.el.remote.srcObject = stream;
    this.route(this.el.remote, this.chosen("speaker"));
    this.el.remote.play().catch(() => {});
  }

  // The microphone's level, 0..1, on the meter while a call has it.
  showLevel(stream) {
    this.stopLevel();
    const context = this.audioContext();
    const analyser = context.createAnalyser();
    analyser.fftSize = 512;
    const source = context.createMediaStreamSource(stream);
    source.connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    const timer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let peak = 0;
      for (const s of samples) peak = Math.max(peak, Math.abs(s));
      this.el.level.value = Math.min(1, peak);
    }, 100);
    this.meter = { source, timer };
  }

  stopLevel() {
    if (!this.meter) return;
    clearInterval(this.meter.timer);
    this.meter.source.disconnect();
    this.meter = null;
    this.el.level.value = 0;
  }

  startRinging() {
    if (this.ringing) return;
    const context = this.audioContext();
    const out = context.createMediaStreamDestination();
    const gain = context.createGain();
    gain.gain.value = 0;
    for (const frequency of [440, 480]) {
      const tone = context.createOscillator();
      tone.frequency.value = frequency;
      tone.connect(gain);
      tone.start();
    }
    gain.connect(out);
    const cadence = () => {
      gain.gain.setValueAtTime(0.2, context.currentTime);
      gain.gain.setValueAtTime(0, context.currentTime + RING_ON_MS / 1000);
    };
    cadence();
    this.ringing = { gain, timer: setInterval(cadence, RING_PERIOD_MS) };
    this.el.ring.srcObject = out.stream;
    this.route(this.el.ring, this.chosen("ringer"));
    this.el.ring.play().catch(() => {});
    this.el.ring.dataset.ringing = "true";
  }

  stopRinging() {
    if (!this.ringing) return;
    clearInterval(this.ringing.timer);
    this.ringing.gain.disconnect();
    this.ringing = null;
    this.el.ring.pause();
    this.el.ring.srcObject = null;
    this.el.ring.dataset.ringing = "false";
  }

  stop() {
    this.stopRinging();
    this.stopLevel();
    this.el.remote.srcObject = null;
  }
}
