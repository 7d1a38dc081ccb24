#!/usr/bin/env python3
"""Small network helpers for the test environment scripts.

Subcommands:
  free-ports N
      Print N distinct free TCP ports on 127.0.0.1, one a line.
  kafka-cluster-id
      Print a random Kafka cluster id (16 bytes, base64url).
  kafka-ready ADDR
      Exit 0 when the broker at HOST:PORT returns metadata that lists at
      least one broker, else 1.
  kafka-group-coordinator ADDR GROUP
      Exit 0 when the broker returns a coordinator for the consumer group
      GROUP, else 1. The first such request makes the broker create
      __consumer_offsets.
"""

import base64
import os
import socket
import struct
import sys

# Metadata v4 is the newest version without flexible (tagged-field)
# encoding, so the request stays simple. Kafka 4.0.2 to 4.4.0 serve v0-v13.
METADATA_API_KEY = 3
METADATA_VERSION = 4

# FindCoordinator v0 is the version that segmentio/kafka-go v0.4.51 sends.
FIND_COORDINATOR_API_KEY = 10
FIND_COORDINATOR_VERSION = 0
CLIENT_ID = b"arenasync-testenv"
CORRELATION_ID = 1
PROBE_TIMEOUT_SECONDS = 2.0


def free_ports(count):
    """Bind count sockets at once so the kernel hands out distinct ports."""
    sockets = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


def kafka_cluster_id():
    """Return an id in the form of org.apache.kafka.common.Uuid.randomUuid.

    Kafka rejects the all-zero id and regenerates ids whose text starts with
    a dash, because a leading dash reads as a command-line option.
    """
    while True:
        raw = os.urandom(16)
        text = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
        if raw != bytes(16) and not text.startswith("-"):
            return text


def encode_request(api_key, version, body):
    """Prefix body with a v1 request header and the int32 size."""
    header = struct.pack(">hhih", api_key, version, CORRELATION_ID, len(CLIENT_ID)) + CLIENT_ID
    payload = header + body
    return struct.pack(">i", len(payload)) + payload


def metadata_request():
    # topics = null (int32 -1) requests all topics; allow_auto_topic_creation = false.
    return encode_request(METADATA_API_KEY, METADATA_VERSION, struct.pack(">ib", -1, 0))


def find_coordinator_request(group):
    key = group.encode("utf-8")
    return encode_request(FIND_COORDINATOR_API_KEY, FIND_COORDINATOR_VERSION,
                          struct.pack(">h", len(key)) + key)


def read_exact(sock, size):
    data = b""
    while len(data) < size:
        chunk = sock.recv(size - len(data))
        if not chunk:
            raise ConnectionError("connection closed after %d of %d bytes" % (len(data), size))
        data += chunk
    return data


def exchange(address, request):
    """Send one request and return the response body after the correlation id."""
    host, _, port = address.rpartition(":")
    with socket.create_connection((host, int(port)), timeout=PROBE_TIMEOUT_SECONDS) as sock:
        sock.sendall(request)
        size = struct.unpack(">i", read_exact(sock, 4))[0]
        response = read_exact(sock, size)

    correlation_id = struct.unpack_from(">i", response, 0)[0]
    if correlation_id != CORRELATION_ID:
        raise ValueError("unexpected correlation id %d" % correlation_id)
    return response[4:]


def kafka_ready(address):
    try:
        # Metadata v4 response: throttle_time_ms int32, then the broker array length.
        _throttle_ms, brokers = struct.unpack_from(">ii", exchange(address, metadata_request()), 0)
    except (OSError, ValueError, struct.error) as err:
        print("kafka at %s not ready: %s" % (address, err), file=sys.stderr)
        return 1

    if brokers < 1:
        print("kafka at %s not ready: metadata lists no broker" % address, file=sys.stderr)
        return 1
    return 0


def kafka_group_coordinator(address, group):
    try:
        # FindCoordinator v0 response: error_code int16, then the coordinator.
        error_code = struct.unpack_from(">h", exchange(address, find_coordinator_request(group)), 0)[0]
    except (OSError, ValueError, struct.error) as err:
        print("kafka at %s returned no coordinator: %s" % (address, err), file=sys.stderr)
        return 1

    if error_code != 0:
        print("kafka at %s returned no coordinator: error code %d" % (address, error_code),
              file=sys.stderr)
        return 1
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "free-ports":
        print("\n".join(str(port) for port in free_ports(int(argv[2]))))
        return 0
    if len(argv) == 2 and argv[1] == "kafka-cluster-id":
        print(kafka_cluster_id())
        return 0
    if len(argv) == 3 and argv[1] == "kafka-ready":
        return kafka_ready(argv[2])
    if len(argv) == 4 and argv[1] == "kafka-group-coordinator":
        return kafka_group_coordinator(argv[2], argv[3])

    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
