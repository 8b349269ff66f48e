"""Assets: images uploaded by their owners, checked by their bytes, re-encoded
without metadata, stored under the owner's blob prefix and served publicly.

``sniff`` judges a file's type by its first bytes; ``images`` re-encodes it with
Pillow; ``form`` reads the multipart upload; ``repo`` holds the SQL, ``service``
the upload and deletion flows, ``routes`` the API and ``serve`` the public files.
"""
