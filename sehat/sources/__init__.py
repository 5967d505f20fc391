"""What the sources look like: the contracts shared by the generator and the loaders."""
