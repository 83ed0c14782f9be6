import { describe, expect, it } from 'vitest';
// The thin client's own codec (plain JS, loaded by bin/paddock.js without the CLI bundle).
import * as c from '../../../bin/engine-client.js';
import { Frame, FrameDecoder, MAX_FRAME, PROTOCOL_VERSION, encodeFrame, encodeJson } from './engine-protocol.js';


describe('engine protocol codec', () => {
  it('round-trips frames, also when they arrive one byte at a time or several in one chunk', () => {
    const frames = [
      encodeFrame(Frame.stdout, Buffer.from('héllo\n')),
      encodeFrame(Frame.stdinEnd),
      encodeJson(Frame.exit, { code: 3 }),
      encodeFrame(Frame.rawMode, Buffer.from([1])),
    ];
    const all = Buffer.concat(frames);
    const whole = new FrameDecoder().push(all);
    expect(whole.map((f) => f.type)).toEqual([Frame.stdout, Frame.stdinEnd, Frame.exit, Frame.rawMode]);
    expect(whole[0]!.payload.toString('utf8')).toBe('héllo\n');
    expect(whole[1]!.payload.length).toBe(0);
    expect(JSON.parse(whole[2]!.payload.toString('utf8'))).toEqual({ code: 3 });
    const d = new FrameDecoder();
    const bytewise = [...all].flatMap((b) => d.push(Buffer.from([b])));
    expect(bytewise.map((f) => [f.type, f.payload.toString('hex')])).toEqual(whole.map((f) => [f.type, f.payload.toString('hex')]));
    expect(d.pending).toBe(0);
  });

  it('keeps an unfinished frame pending', () => {
    const d = new FrameDecoder();
    const f = encodeFrame(Frame.stderr, 'abc');
    expect(d.push(f.subarray(0, 6))).toEqual([]);
    expect(d.pending).toBe(6);
    expect(d.push(f.subarray(6)).map((x) => x.payload.toString())).toEqual(['abc']);
  });

  it('refuses an empty, oversized or unknown frame', () => {
    expect(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 0]))).toThrow(/bad frame length 0/);
    const big = Buffer.alloc(5);
    big.writeUInt32BE(MAX_FRAME + 1, 0);
    expect(() => new FrameDecoder().push(big)).toThrow(/bad frame length/);
    expect(() => new FrameDecoder().push(Buffer.from([0, 0, 0, 1, 99]))).toThrow(/unknown frame type 99/);
  });

  it('the thin client speaks the same protocol: version, frame numbers and byte format', () => {
    expect(c.PROTOCOL_VERSION).toBe(PROTOCOL_VERSION);
    expect(c.F).toEqual(Frame);
    for (const [type, payload] of [[Frame.hello, '{"op":"run"}'], [Frame.stdin, Buffer.from([0, 255, 3])], [Frame.stdinEnd, undefined]] as const) {
      expect(c.encode(type, payload).equals(encodeFrame(type, payload))).toBe(true);
    }
    const split = c.decoder();
    const bytes = Buffer.concat([encodeFrame(Frame.stdout, 'out'), encodeJson(Frame.exit, { code: 0 })]);
    const got = [...bytes].flatMap((b) => split(Buffer.from([b])));
    expect(got.map((f) => [f.type, f.payload.toString()])).toEqual([[Frame.stdout, 'out'], [Frame.exit, '{"code":0}']]);
    expect(() => split(Buffer.from([0, 0, 0, 0]))).toThrow(/bad frame length/);
  });

  it('the thin client finds the socket where the engine listens (PADDOCK_HOME, relative to the cwd, or the default data dir)', () => {
    expect(c.engineSocket({ PADDOCK_HOME: '/data/p' }, '/x')).toBe('/data/p/engine/sock');
    expect(c.engineSocket({ PADDOCK_HOME: 'rel' }, '/work')).toBe('/work/rel/engine/sock');
    if (process.platform === 'linux') expect(c.engineSocket({ XDG_DATA_HOME: '/xdg' }, '/')).toBe('/xdg/paddock/engine/sock');
  });
});
