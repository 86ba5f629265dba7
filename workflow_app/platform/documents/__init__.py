"""Official documents (文书): types and DOCX templates as data, rendering, PDF conversion, issue and service."""
