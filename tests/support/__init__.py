"""What the tests share: real servers on loopback, factories, case drivers, recorders."""
