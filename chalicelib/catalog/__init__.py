"""Artisans and listings: who may see and change what, publishing, and the browse shapes."""
