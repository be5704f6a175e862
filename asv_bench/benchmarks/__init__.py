"""asv benchmarks of fastnn (see ../asv.conf.json)."""
