"""Product photos: upload grants, the processor of S3 notifications, and the Pillow renditions."""
