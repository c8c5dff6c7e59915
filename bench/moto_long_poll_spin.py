"""The CPU an idle long poll burns on a FIFO queue whose next message is held back (issue 17.2).

moto's long poll waits for "any visible message", then looks for one it may hand over; a visible
message of a FIFO group still in flight satisfies the wait but cannot be handed over, so each
idle poller spins until its poll ends. ``local/moto_server.py`` makes such a poller look again
every 50 ms instead. This script measures both: a moto server in this process, one message of a
group in flight and the next one visible, four pollers in 3 s long polls; the process's CPU time.

``python bench/moto_long_poll_spin.py``
"""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import logging

import boto3
from moto.sqs import models as sqs_models

import local.moto_server as moto_server

AS_IS = sqs_models.Queue.wait_for_messages  # moto's own, before the local server patches it


def measure(patched: bool, pollers: int = 4, wait: int = 3) -> float:
    server = moto_server.MotoServer().start()  # installs the patch
    if not patched:
        setattr(sqs_models.Queue, "wait_for_messages", AS_IS)  # noqa: B010
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    os.environ.update(moto_server.FAKE_CREDENTIALS)
    sqs = boto3.client("sqs", endpoint_url=server.endpoint_url, region_name="ap-southeast-1")
    url = sqs.create_queue(
        QueueName="held-back.fifo", Attributes={"FifoQueue": "true", "ContentBasedDeduplication": "true"}
    )["QueueUrl"]
    sqs.send_message(QueueUrl=url, MessageBody="first", MessageGroupId="g")
    sqs.receive_message(QueueUrl=url)  # in flight: the group is held back
    sqs.send_message(QueueUrl=url, MessageBody="second", MessageGroupId="g")

    def poll() -> None:
        client = boto3.client("sqs", endpoint_url=server.endpoint_url, region_name="ap-southeast-1")
        client.receive_message(QueueUrl=url, WaitTimeSeconds=wait)

    cpu = time.process_time()
    threads = [threading.Thread(target=poll) for _ in range(pollers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    used = time.process_time() - cpu
    server.stop()
    moto_server.patch_long_poll_spin()
    return used


if __name__ == "__main__":
    print(f"load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"moto as is:        {measure(False):5.2f} s CPU for 4 pollers x 3 s long polls on a held-back group")
    print(f"local/moto_server: {measure(True):5.2f} s CPU for the same")
