"""The partitions to mirror: fdisk/lsblk/blkid parsers, which pair is free and equal, and what create-md
would find on them."""
