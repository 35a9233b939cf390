"""Back ends that write Conductor's formats."""
