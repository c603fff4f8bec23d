// aedes for `cargo xtask conformance`: one broker, the listeners its configuration file
// names, on loopback. Usage: node broker.mjs CONFIG.json
//
// CONFIG: {"listeners": [{"kind": "tcp"|"tls"|"mtls"|"ws"|"wss", "port": 0 or a port,
//          "cert": path, "key": path, "ca": path}]}
// Port 0 lets the system choose (no race for a free port); the ports bound are printed as
// one line `ready <port> <port>...` in listener order, which the xtask waits for. A restart
// passes the same ports again. The xtask ends this process by its PID.
import { readFileSync } from 'node:fs'
import { createServer as createTcp } from 'node:net'
import { createServer as createTls } from 'node:tls'
import { createServer as createHttp } from 'node:http'
import { createServer as createHttps } from 'node:https'
import createAedes from 'aedes'
import { WebSocketServer, createWebSocketStream } from 'ws'

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'))
// aedes 0.51 (pinned in package.json): a CommonJS factory.
const aedes = createAedes()
// The ACL of scenario subscribe-failure, as mosquitto's is configured there: subscriptions
// to `+/+/+/forbidden/#` are refused (SUBACK 0x80), every other one is granted.
aedes.authorizeSubscribe = (client, subscription, callback) => {
  const forbidden = subscription.topic.split('/')[3] === 'forbidden'
  callback(null, forbidden ? null : subscription)
}

function tlsOptions (listener) {
  return {
    cert: readFileSync(listener.cert),
    key: readFileSync(listener.key),
    ca: readFileSync(listener.ca),
    requestCert: listener.kind === 'mtls',
    rejectUnauthorized: listener.kind === 'mtls'
  }
}

function server (listener) {
  switch (listener.kind) {
    case 'tcp': return createTcp(aedes.handle)
    case 'tls': case 'mtls': return createTls(tlsOptions(listener), aedes.handle)
    case 'ws': case 'wss': {
      const http = listener.kind === 'ws' ? createHttp() : createHttps(tlsOptions(listener))
      // The client asks for the subprotocol `mqtt`; ws accepts the first one offered.
      const wss = new WebSocketServer({ server: http })
      wss.on('connection', (socket, request) => {
        aedes.handle(createWebSocketStream(socket), request)
      })
      return http
    }
    default: throw new Error(`unknown listener kind ${listener.kind}`)
  }
}

const ports = []
for (const listener of config.listeners) {
  const s = server(listener)
  await new Promise((resolve, reject) => {
    s.once('error', reject)
    s.listen(listener.port, '127.0.0.1', resolve)
  })
  ports.push(s.address().port)
}
console.log(`ready ${ports.join(' ')}`)
