<#-- Whether this run's restored dir exists (it appears only by a rename once complete).
     Model: restoredDir. Prints: restored=true|false -->
if [ -d ${restoredDir} ]; then echo restored=true; else echo restored=false; fi
