"""Published path ``gradiend.data``: only its text sub-package is provided (``gradiend.data.text``)."""
