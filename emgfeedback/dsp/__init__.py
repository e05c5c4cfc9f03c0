"""Signal processing: pure numpy/scipy, no I/O, no threads, no Qt."""
