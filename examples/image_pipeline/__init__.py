"""The image-processing pipeline of the Conductor blog posts, written with flowdsl."""
