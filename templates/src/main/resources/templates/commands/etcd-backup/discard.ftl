<#-- Removes what a failed copy left behind: only the incoming file and its .part, both ours.
     Model: incoming. -->
rm -f -- ${incoming} ${incoming + ".part"}
