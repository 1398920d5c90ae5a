// The browser phone's own offers (a call out: agentbar's INVITE carries none) offer G.711
// mu-law (PCMU) alone, with telephone-events for DTMF. Janus's SIP plugin relays RTP without
// transcoding, and agentbar answers such an offer on hold with its first codec before the
// customer's phone has chosen one: offering only the codec every SIP trunk speaks keeps both
// sides on the same one. A trunk that refuses it fails the call (`codec_mismatch`).

const KEPT = /^(PCMU\/8000|telephone-event\/8000)/i;

export function offerG711Only(sdp) {
  const lines = sdp.split("\r\n");
  const kept = new Set();
  for (const line of lines) {
    const rtpmap = /^a=rtpmap:(\d+) (.+)$/.exec(line);
    if (rtpmap && KEPT.test(rtpmap[2])) kept.add(rtpmap[1]);
  }
  const payloadOf = (line) => /^a=(?:rtpmap|fmtp|rtcp-fb):(\d+)/.exec(line)?.[1];
  return lines
    .map((line) => {
      if (!line.startsWith("m=audio ")) return line;
      const [m, port, proto, ...types] = line.split(" ");
      return [m, port, proto, ...types.filter((t) => kept.has(t))].join(" ");
    })
    .filter((line) => {
      const payload = payloadOf(line);
      return payload === undefined || kept.has(payload);
    })
    .join("\r\n");
}
