"""Published ``gradiend.util`` import paths (see :mod:`gradiend.util.hf_env`)."""
