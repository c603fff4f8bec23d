"""amqtt for `cargo xtask conformance`: one broker, the listeners its configuration file
names, on loopback. Usage: python broker.py CONFIG.json

CONFIG: {"listeners": [{"kind": "tcp"|"tls"|"mtls"|"ws"|"wss", "port": a port,
         "cert": path, "key": path, "ca": path}]}
amqtt binds by address, so the xtask chooses the ports. Once every listener accepts
connections this prints one line `ready <port> <port>...`, which the xtask waits for; the
xtask ends this process by its PID.
"""
import asyncio
import json
import socket
import sys

from amqtt.broker import Broker


def listener(spec):
    kind = spec["kind"]
    config = {
        "type": "ws" if kind in ("ws", "wss") else "tcp",
        "bind": f"127.0.0.1:{spec['port']}",
    }
    if kind in ("tls", "mtls", "wss"):
        # amqtt asks for a client certificate but never requires one (CERT_OPTIONAL).
        config.update(ssl=True, certfile=spec["cert"], keyfile=spec["key"], cafile=spec["ca"])
    return config


async def listening(port):
    for _ in range(200):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            await asyncio.sleep(0.05)
    raise RuntimeError(f"amqtt did not listen on port {port}")


async def main():
    with open(sys.argv[1], encoding="utf-8") as file:
        specs = json.load(file)["listeners"]
    config = {
        # The first listener is amqtt's `default` (it insists on one).
        "listeners": {
            ("default" if index == 0 else f"l{index}"): listener(spec)
            for index, spec in enumerate(specs)
        },
        "plugins": {
            "amqtt.plugins.authentication.AnonymousAuthPlugin": {"allow_anonymous": True},
        },
    }
    broker = Broker(config)
    await broker.start()
    for spec in specs:
        await listening(spec["port"])
    print("ready " + " ".join(str(spec["port"]) for spec in specs), flush=True)
    await asyncio.Event().wait()


asyncio.run(main())
