// The browser phone on the simulator (the demo, a CRM's sandbox): there is no SIP to carry a
// call, so a simulated customer speaks from a media room (Janus's AudioBridge) that agentbar
// opens for each call connected to the agent, with a short spoken greeting. While the agent's
// call is connected, the phone joins that room over WebRTC (asking the socket for its number
// and PIN: `phone.room`), and leaves it when the call ends.

export class RoomPhone {
  constructor(phone) {
    this.phone = phone; // the BrowserPhone: its socket, audio devices and status line
    this.bridge = null; // the AudioBridge handle
    this.callId = null; // the call whose room is joined (or being joined)
  }

  attach(janus) {
    janus.attach({
      plugin: "janus.plugin.audiobridge",
      success: (handle) => {
        this.bridge = handle;
        this.phone.working();
        this.phone.show("ready");
        this.phone.audio.listDevices();
        this.follow(this.phone.toolbar.snapshot?.call);
      },
      error: (cause) => this.phone.fail(`the phone could not start: ${cause}`, "janus_unreachable"),
      onmessage: (message, jsep) => this.onMessage(message, jsep),
      onlocaltrack: (track, on) => {
        if (track.kind === "audio" && on) this.phone.audio.showLevel(new MediaStream([track]));
      },
      onremotetrack: (track, mid, on) => {
        if (track.kind !== "audio" || !on || !this.callId) return;
        this.phone.audio.playRemote(new MediaStream([track]));
        this.phone.show("in call");
      },
      oncleanup: () => this.phone.audio.stop(),
    });
  }

  // Called with the agent's call at every render: in its room while it is connected.
  async follow(call) {
    const connected = call && ["connected", "consulting", "conferencing"].includes(call.state);
    const wanted = connected ? call.callId : null;
    if (!this.bridge || wanted === this.callId) return;
    if (this.callId) this.leave();
    if (!wanted) return;
    this.callId = wanted;
    this.phone.show("answering");
    try {
      const { room } = await this.phone.toolbar.socket.request("phone.room", {});
      if (this.callId !== wanted) return;
      this.bridge.send({
        message: { request: "join", room: room.room, pin: room.pin, display: "agent" },
      });
    } catch (error) {
      if (this.callId === wanted) this.phone.fail(error.message, error.code || "no_room");
    }
  }

  onMessage(message, jsep) {
    if (message.error) return this.phone.fail(message.error, `room_${message.error_code}`);
    if (message.audiobridge === "joined" && this.callId) {
      const tracks = [
        { type: "audio", capture: this.phone.audio.microphoneConstraint(), recv: true },
      ];
      this.bridge.createOffer({
        tracks,
        success: (offer) =>
          this.bridge.send({ message: { request: "configure", muted: false }, jsep: offer }),
        error: (error) => this.phone.refusedMicrophone(error),
      });
    }
    if (jsep) this.bridge.handleRemoteJsep({ jsep });
  }

  leave() {
    this.callId = null;
    this.bridge?.send({ message: { request: "leave" } });
    this.bridge?.hangup();
    this.phone.audio.stop();
    this.phone.show("ready");
  }
}
