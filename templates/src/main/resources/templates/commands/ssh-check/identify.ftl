hostname; id -un; uname -sr
