"""Front ends that build the IR from something other than traced Python."""
