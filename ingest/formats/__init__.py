"""Converters from non-text formats (HTML, XML, PDF, JSON) to chunkable document text."""
