"""mx-e2e: end-to-end migration / storage-migration / snapshot harness for qemu-mx.

Python 3 standard library only (the report module may use matplotlib).
See ../PROTOCOL.md for the guest agent contract and the run.json format.
"""
