// spdy-transport's SPDY header-compression dictionaries, by protocol version (2, 3, 3.1).
declare module 'spdy-transport/lib/spdy-transport/protocol/spdy/dictionary.js' {
  const dictionaries: Record<number, Buffer>;
  export default dictionaries;
}
