"""The pluggy machinery of gradiend: markers, the registration hook, plugin managers, the modality registry.

Plugin authors import from :mod:`gradiend.plugins`, the one import surface; this package is what the
core's lower layers use (it imports nothing of the core above the utilities).
"""
