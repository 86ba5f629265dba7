"""The process owner's workspace: drafts of definition files, their validation and tests, version
comparison and publication with four eyes (docs/workspace.md). Nothing here is deployed until published."""
