// The browser phone: when the agent works from a `browser` extension, the leading tab's
// toolbar is the agent's phone. It connects to Janus with a token agentbar gives it and,
// through Janus's SIP plugin, registers the extension at agentbar's own registrar, exactly as
// a desk phone does: agentbar offers it calls the same way (an INVITE), so every call flow
// works unchanged. The toolbar shows the call ringing, answers or declines it, mutes, sends
// DTMF (RFC 4733, in the media), and plays and captures audio on the devices the agent chose.
// Only the leading tab registers: a take-over moves the phone to the new leader. A refresh or a
// navigation does not drop the call: agentbar holds the customer until the next page has
// registered again, and that page answers the call's INVITE at once.

import { PhoneAudio } from "./phone-audio.js";
import { RoomPhone } from "./phone-room.js";
import { offerG711Only } from "./phone-sdp.js";

const VENDOR = "/ameyowebaccess/toolbar/vendor";
const DTMF = /^[0-9*#A-D]$/;
const RETRY_MS = 10000;
// On the INVITE agentbar sends a new page of an agent whose call outlived the last one (a
// refresh): the call is the agent's already, so it is answered at once.
const REATTACH = "X-Agentbar-Reattach";
const MIC_DENIED =
  "The microphone is blocked, so calls cannot be answered here. Allow it for this site; " +
  "if the CRM page frames the toolbar, its iframe needs allow=\"microphone\".";

const $ = (id) => document.getElementById(id);
const REPORTED = new Set([
  "microphone_denied", "janus_unreachable", "register_failed", "codec_mismatch", "invalid_dtmf",
  "renegotiation_failed",
]);

let scriptsLoaded = null;
function loadScripts() {
  // Loaded on first use only: an agent on a desk phone never downloads them.
  scriptsLoaded ??= ["adapter.js", "janus.js"].reduce(
    (previous, name) =>
      previous.then(
        () =>
          new Promise((resolve, reject) => {
            const script = document.createElement("script");
            script.src = `${VENDOR}/${name}`;
            script.onload = resolve;
            script.onerror = () => reject(new Error(`the phone's ${name} could not be loaded`));
            document.head.append(script);
          }),
      ),
    Promise.resolve(),
  );
  return scriptsLoaded;
}

export class BrowserPhone {
  constructor(toolbar, store) {
    this.toolbar = toolbar;
    this.audio = new PhoneAudio(store, {
      microphone: $("phone-microphone"),
      speaker: $("phone-speaker"),
      ringer: $("phone-ringer"),
      remote: $("phone-remote-audio"),
      ring: $("phone-ring-audio"),
      level: $("phone-level"),
    });
    this.store = store;
    this.extension = null; // the phone number registered, while active
    this.janus = null;
    this.sip = null;
    this.offer = null; // the incoming call's jsep while it rings (null: an offerless INVITE)
    this.call = null; // the SIP Call-ID of the call ringing or answered
    this.state = "off";
    this.rooms = null; // on the simulator: the RoomPhone joining the sandbox's rooms
    this.reported = null; // the problem last told to agentbar
    this.accepted = false; // the call on the phone is accepted (SIP)...
    this.mediaUp = false; // ...and its media is up (WebRTC)
    this.bind();
  }

  bind() {
    $("phone-answer").addEventListener("click", () => this.answer());
    $("phone-decline").addEventListener("click", () => this.decline());
    $("phone-mute").addEventListener("click", () => this.toggleMute());
    $("phone-auto-answer").checked = this.store.getItem("agentbar.phone.autoAnswer") === "true";
    $("phone-auto-answer").addEventListener("change", (e) =>
      this.store.setItem("agentbar.phone.autoAnswer", String(e.target.checked)),
    );
    for (const key of $("phone-keypad").querySelectorAll("button")) {
      key.addEventListener("click", () => this.dtmf(key.dataset.digit));
    }
    // Typing on the keypad sends what is typed (a key that is no DTMF digit is said so).
    $("phone-keypad").addEventListener("keydown", (event) => {
      if (event.key.length !== 1 || event.ctrlKey || event.metaKey || event.altKey) return;
      event.preventDefault();
      this.dtmf(event.key.toUpperCase());
    });
  }

  // Called with every render: the phone is on in the leading tab of an agent on a browser
  // extension, and off everywhere else.
  sync(snapshot, leading) {
    const extension = snapshot?.agent?.extension;
    const wanted = leading && extension?.kind === "browser" ? extension.phone : null;
    $("phone").hidden = wanted === null;
    if (wanted === this.extension) {
      this.rooms?.follow(snapshot?.call);
      return;
    }
    this.stop();
    if (wanted !== null) this.start(wanted);
  }

  show(state, detail = "") {
    this.state = state;
    const status = $("phone-status");
    status.dataset.state = state;
    status.textContent = detail ? `${state}: ${detail}` : state;
    const ringing = state === "ringing";
    $("phone-answer").hidden = !ringing;
    $("phone-decline").hidden = !ringing;
    $("phone-in-call").hidden = state !== "in call";
  }

  fail(message, code) {
    const error = $("phone-error");
    error.textContent = message;
    error.dataset.code = code;
    error.hidden = false;
    // agentbar hears of it too (its log): the agent's phone is not working, and why; once
    // for a problem that lasts (the phone retries an unreachable Janus).
    if (REPORTED.has(code) && code !== this.reported) {
      this.reported = code;
      const detail = message.slice(0, 300);
      this.toolbar.socket.request("phone.problem", { code, detail }).catch(() => {});
    }
  }

  clearError() {
    $("phone-error").hidden = true;
  }

  // The phone works: a later problem is news again.
  working() {
    this.reported = null;
    this.clearError();
  }

  async start(extension) {
    this.extension = extension;
    this.show("connecting");
    this.clearError();
    let phone;
    try {
      await loadScripts();
      phone = (await this.toolbar.socket.request("phone.credentials", {})).phone;
    } catch (error) {
      this.show("off");
      return this.fail(error.message, error.code || "phone_unavailable");
    }
    if (this.extension !== extension) return; // stopped meanwhile
    window.Janus.init({
      debug: false,
      callback: () => this.connect(phone),
    });
  }

  connect(phone) {
    const janus = new window.Janus({
      server: phone.janusUrl,
      token: phone.janusToken,
      success: () => this.attach(janus, phone),
      error: (cause) => {
        if (this.janus !== janus) return;
        this.show("off");
        this.fail(`Janus is unreachable at ${phone.janusUrl}: ${cause}`, "janus_unreachable");
        this.janus = null;
        // Tried again a while later (Janus restarting, a network blip), while still wanted.
        const extension = this.extension;
        setTimeout(() => {
          if (this.extension !== extension || this.janus) return;
          this.extension = null;
          this.start(extension);
        }, RETRY_MS);
      },
    });
    this.janus = janus;
  }

  attach(janus, phone) {
    if (phone.mode === "rooms") {
      this.rooms = new RoomPhone(this);
      return this.rooms.attach(janus);
    }
    janus.attach({
      plugin: "janus.plugin.sip",
      success: (handle) => {
        if (this.janus !== janus) return handle.detach();
        this.sip = handle;
        this.show("registering");
        handle.send({
          message: {
            request: "register",
            username: phone.identity,
            authuser: phone.username,
            secret: phone.secret,
            display_name: phone.displayName,
            proxy: phone.proxy,
            incoming_header_prefixes: ["X-Agentbar"],
          },
        });
      },
      error: (cause) => this.fail(`the phone could not start: ${cause}`, "janus_unreachable"),
      onmessage: (message, jsep) => this.onMessage(message, jsep),
      onlocaltrack: (track, on) => {
        if (track.kind === "audio" && on) this.audio.showLevel(new MediaStream([track]));
      },
      onremotetrack: (track, mid, on) => {
        if (track.kind === "audio" && on) this.audio.playRemote(new MediaStream([track]));
      },
      // The call is "in call" once it is accepted AND its media is up (DTLS done): before,
      // nothing would be heard, and DTMF could not be sent.
      webrtcState: (up) => {
        this.mediaUp = up;
        if (up && this.accepted) this.show("in call");
      },
      oncleanup: () => {
        this.mediaUp = false;
        this.audio.stop();
      },
    });
  }

  onMessage(message, jsep) {
    if (message.error) return this.fail(message.error, `sip_${message.error_code}`);
    const result = message.result ?? {};
    switch (result.event) {
      case "registered":
        this.working();
        this.show("ready");
        this.audio.listDevices();
        break;
      case "registration_failed":
        this.show("off");
        this.fail(`the extension could not register: ${result.code} ${result.reason}`, "register_failed");
        break;
      case "incomingcall":
        this.accepted = false;
        this.offer = jsep ?? null;
        this.call = result.call_id ?? message.call_id ?? null;
        this.show("ringing", result.username ?? "");
        if ($("phone-auto-answer").checked || result.headers?.[REATTACH]) this.answer();
        else this.audio.startRinging();
        break;
      case "accepted":
        if (jsep) this.sip.handleRemoteJsep({ jsep });
        this.accepted = true;
        if (this.mediaUp) this.show("in call");
        break;
      case "updatingcall":
        // A re-INVITE that needs the browser's media renegotiated.
        this.sip.createAnswer({
          jsep,
          tracks: [{ type: "audio", capture: false, recv: true }],
          success: (answer) => this.sip.send({ message: { request: "update" }, jsep: answer }),
          error: (cause) => this.fail(`the call could not be updated: ${cause}`, "renegotiation_failed"),
        });
        break;
      case "hangup":
        this.audio.stopRinging();
        if (["ringing", "answering", "in call"].includes(this.state)) this.show("ready");
        this.sip?.hangup(true);
        $("phone-mute").setAttribute("aria-pressed", "false");
        break;
      default:
        break;
    }
  }

  answer() {
    if (this.state !== "ringing") return;
    this.audio.stopRinging();
    this.show("answering");
    const call = this.call;
    const tracks = [{ type: "audio", capture: this.audio.microphoneConstraint(), recv: true }];
    const accepted = (jsep) => this.sip.send({ message: { request: "accept" }, jsep });
    const refused = (error) => {
      if (this.state !== "answering" || this.call !== call) return; // that call is gone already
      const denied = this.refusedMicrophone(error);
      // Never half-bridged: the call is refused, and agentbar offers it to someone else.
      this.sip.send({ message: { request: "decline", code: denied ? 480 : 488 } });
      this.show("ready");
    };
    if (this.offer) {
      this.sip.createAnswer({ jsep: this.offer, tracks, success: accepted, error: refused });
    } else {
      const customizeSdp = (jsep) => {
        jsep.sdp = offerG711Only(jsep.sdp);
      };
      this.sip.createOffer({ tracks, customizeSdp, success: accepted, error: refused });
    }
  }

  // Says why the microphone (or the call's media) could not be had; true if it was denied.
  refusedMicrophone(error) {
    const denied = error?.name === "NotAllowedError" || error?.name === "SecurityError";
    this.fail(
      denied ? MIC_DENIED : `the call could not be answered: ${error?.message ?? error}`,
      denied ? "microphone_denied" : "codec_mismatch",
    );
    return denied;
  }

  decline() {
    if (this.state !== "ringing") return;
    this.audio.stopRinging();
    this.sip.send({ message: { request: "decline", code: 486 } });
    this.show("ready");
  }

  toggleMute() {
    if (!this.sip || this.state !== "in call") return;
    const muted = this.sip.isAudioMuted();
    if (muted) this.sip.unmuteAudio();
    else this.sip.muteAudio();
    $("phone-mute").setAttribute("aria-pressed", String(!muted));
  }

  dtmf(digit) {
    if (!DTMF.test(String(digit))) {
      return this.fail(`'${digit}' is not a DTMF digit (0–9, *, #, A–D)`, "invalid_dtmf");
    }
    if (!this.sip || this.state !== "in call") return;
    this.clearError();
    this.sip.dtmf({ dtmf: { tones: digit, duration: 160, gap: 80 } });
  }

  stop() {
    this.rooms = null;
    this.audio.stop();
    if (this.janus) {
      const janus = this.janus;
      this.janus = null;
      this.sip = null;
      janus.destroy({ cleanupHandles: true });
    }
    this.extension = null;
    this.show("off");
  }
}
